diode = "a string"
FINE = True
