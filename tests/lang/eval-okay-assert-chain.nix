assert true; assert "a" != "b"; 42
