{ a ? "dflt-a", b ? "dflt-b" }: [ a b ]
