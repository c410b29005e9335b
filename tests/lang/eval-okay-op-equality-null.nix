[ (null == null) (null != null) ({ a = null; } == { a = null; }) ]
