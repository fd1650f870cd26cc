"""Per-country maps: choropleths, small multiples, SVG tooltips, region charts."""
