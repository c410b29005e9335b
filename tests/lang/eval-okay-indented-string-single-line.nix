''   spaced   ''
