let nats = n: [ n ] ++ (if n < 5 then nats (n + 1) else [ ]); in nats 0
