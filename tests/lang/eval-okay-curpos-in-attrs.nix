{ a = 1;
    here = __curPos; }.here
