"""Campaigns: findings linked by the artefacts their operators cannot change from page to page
(how victims pay or reach them), across brands.

- `artefacts`: the typed record, the closed set of kinds and what each kind is worth for linking;
- `text`, `phones`, `accounts`, `wallets`, `contacts`, `trackers`, `images`, `markup`: pure
  extractors (text or bytes in, artefacts out), each bounded in the work it does;
- `extract`: what one finding yields, gathered from its candidate and its evidence;
- `linking`: the linking rule and the union-find, pure;
- `store`: the tables' reads and writes.
"""
