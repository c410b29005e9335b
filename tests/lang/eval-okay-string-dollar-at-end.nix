[ "abc$" ''abc$'' ]
