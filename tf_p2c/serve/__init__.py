"""`python -m tf_p2c serve`: a local web page to try the cartoonizer in a browser.

Needs the optional web extra (`pip install -r requirements-web.txt`). Nothing here is imported
by the rest of the package; `tf_p2c.serve.cli` imports the web libraries only when the command runs.
"""
