{ inherit ({ p = "q"; } // { r = "s"; }) p r; }
