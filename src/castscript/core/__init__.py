"""The bottom layer: document-independent building blocks every other layer may import, and that import nothing
above them (errors, settings, options, progress, atomic file writing, text and vector helpers, the speaker palette).
"""
