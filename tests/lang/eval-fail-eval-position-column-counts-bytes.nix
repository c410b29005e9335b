{ a = "héllo ✓ 日本"; b = assert false; 1; }.b
