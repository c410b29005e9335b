"${''
	tabbed
	line
''}"
