CHILD_TOOLS = "loaded from the child's scripts folder"
