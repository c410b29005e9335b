"tab\tnl\ncr\rquote\"backslash\\dollar\$ unknown\q"
