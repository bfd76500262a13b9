"""Photo -> cartoon, end to end (`Cartoonizer`) and its command line."""
