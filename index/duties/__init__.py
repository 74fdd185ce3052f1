"""Who does what: the gazetteer of bodies (``gazetteer``) and the duty records read from the decisions (``records``)."""
