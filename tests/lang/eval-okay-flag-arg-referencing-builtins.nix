{ v }: v
