{ s }: s.b ++ [ s.a ]
