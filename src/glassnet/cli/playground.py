"""``glassnet playground``: serve the playground page on this machine and print its address."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser("playground", help="watch a network learn, in the browser",
                              description="Serve TensorFlow Playground's page on glassnet's core. "
                                          "Ctrl-C stops it.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(run=run)


def run(args) -> int:
    import asyncio

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be from 0 to 65535, got {args.port}.")
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise ValueError('the playground needs aiohttp: pip install "glassnet[playground]"') from None
    from threadpoolctl import threadpool_limits

    try:
        # The playground's products are small (at most 16 x 16 weights): BLAS threads only contend with the
        # sessions' own threads, and on a busy machine made each state several times slower.
        with threadpool_limits(1):
            asyncio.run(_serve(args.host, args.port, args.open))
    except KeyboardInterrupt:
        print("glassnet playground: stopped")
    return 0


async def _serve(host, port, open_browser):
    import asyncio
    import signal
    import webbrowser

    from ..playground.server import start

    runner, url = await start(host, port)
    print(f"glassnet playground: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        webbrowser.open(url)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)  # `kill` stops it as Ctrl-C does
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    print("glassnet playground: stopped")
