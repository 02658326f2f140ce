"""A user class reached with module: + class: (BLISS plugin convention)."""


class Widget:
    def __init__(self, name, config_node):
        self.name = name
        self.size = config_node["size"]
