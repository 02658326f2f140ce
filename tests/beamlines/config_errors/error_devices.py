"""A user module without the class the configuration asks for."""


class Widget:
    def __init__(self, name, config_node):
        self.name = name
