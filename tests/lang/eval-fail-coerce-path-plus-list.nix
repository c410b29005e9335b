./data + [ ]
