"""The built-in manifest template sets (one folder of *.yaml.j2 per set), a package only so they
ship in the wheel and are found through `templates.__file__` wherever kubedeck is installed."""
