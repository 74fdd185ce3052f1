"""Taking decision files in: formats (.docx, .pdf, .txt, .md), Word numbering, line repair, stated metadata.

Start with ``formats.extract_decision``; ``line_repair`` and ``stated_meta`` are its helpers.
"""
