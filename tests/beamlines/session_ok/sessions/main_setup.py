# Setup of session 'main': runs with the session namespace as globals.
SETUP_RAN = "main"
load_script("tools")
