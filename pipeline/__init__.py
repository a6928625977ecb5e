"""Build pipeline: checkpoint -> frozen graph -> TF.js model -> web bundle -> static site."""
