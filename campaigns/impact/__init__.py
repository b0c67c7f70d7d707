"""What the help-seeker figures say, split by what each part computes:

- `periods`: months, windows of days, how they are described, and what a window is missing;
- `areas`: the area table of a region over a window;
- `effect`: a campaign's before-and-after effect and its comparisons;
- `disclosure`: small-number protection, the one place that decides what a partner may see of a
  help-seeker count. Every page, chart, export and workbook that shows a count goes through it.
"""
