"""``glassnet playground``: a page in the browser that trains a real glassnet network and shows it learn.

TensorFlow Playground's page (data sets, input features, layers and neurons, heatmaps, loss curves,
the setup in the URL) on glassnet's own core: training is :func:`glassnet.fit` in a thread per browser
session (:mod:`.session`), served by aiohttp (:mod:`.server`) with the page's scripts and styles shipped
in ``static/``. Needs the ``playground`` extra: ``pip install "glassnet[playground]"``.
"""
