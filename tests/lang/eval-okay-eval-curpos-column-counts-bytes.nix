{ a = "日本"; b = __curPos; }.b.column
