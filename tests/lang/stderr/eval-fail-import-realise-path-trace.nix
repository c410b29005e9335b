import 0.5
