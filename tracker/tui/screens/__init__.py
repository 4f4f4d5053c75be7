"""One module per screen; modal forms (assess, evidence, note, link) are screens too."""
