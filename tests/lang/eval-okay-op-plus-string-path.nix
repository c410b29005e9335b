[ ("foo" + "bar") (/tmp + "/sub") (/tmp + /abs) ]
