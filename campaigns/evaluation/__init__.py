"""A campaign's evaluation report: the report itself, its workbook, and its learning section."""
