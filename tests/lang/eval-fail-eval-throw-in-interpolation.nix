"prefix ${throw "interpolated throw"} suffix"
