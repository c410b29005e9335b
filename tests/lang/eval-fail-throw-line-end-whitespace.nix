throw "a  \n  \n\nb \t"
