"""``python -m broker.fairness`` run inside the test's own process (``__main__.main`` with
its standard streams swapped): a new interpreter costs ≈ 1.3 s of CPU in imports. The entry
point itself still runs as a process in ``test_examples.test_cli_output_is_canonical_and_replayable``."""
import gc
import io
import sys

from broker.fairness.__main__ import main


def run_cli(args, stdin: bytes = b""):
    """(exit status, stdout bytes, stderr text) of the command given ``args``."""
    out, err = io.BytesIO(), io.StringIO()
    stdout = io.TextIOWrapper(out)
    real = sys.stdin, sys.stdout, sys.stderr
    collecting = gc.isenabled()     # main() turns the cyclic collector off (a one-shot process)
    sys.stdin, sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO(stdin)), stdout, err
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:       # argparse refusing an argument
        code = exc.code
    finally:
        sys.stdin, sys.stdout, sys.stderr = real
        if collecting:
            gc.enable()
    stdout.flush()
    written = out.getvalue()
    stdout.detach()
    return code, written, err.getvalue()
