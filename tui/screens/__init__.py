"""The explorer's screens: one per view in the stack, plus dialogs."""
