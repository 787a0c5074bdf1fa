"""First-use set-up for `make lab` and `make test`: create .venv and install pooledu[all].

Run by the system python3 from the Makefile. Written without f-strings so an
old Python reaches the version check and gets a clear message instead of a
SyntaxError.
"""

import argparse
import os
import subprocess
import sys

MIN_VERSION = (3, 10)
# TensorFlow wheels exist for these; newer Pythons may lack them for a while.
TESTED_MAX = (3, 13)

NETWORK_SIGNS = (
    "Could not fetch URL", "Failed to establish a new connection", "ConnectionError",
    "Temporary failure in name resolution", "Network is unreachable",
    "No matching distribution found", "Read timed out", "ProxyError",
)


def fail(message):
    sys.stderr.write("\nerror: " + message.strip() + "\n\n")
    sys.exit(1)


def check_python():
    version = sys.version_info[:2]
    if version < MIN_VERSION:
        fail("pooledu needs Python {}.{} or newer; '{}' is Python {}.{}.\n"
             "Install a newer Python (https://www.python.org/downloads/) and run:\n"
             "    make PYTHON=/path/to/python3.11 test".format(
                 MIN_VERSION[0], MIN_VERSION[1], sys.executable, version[0], version[1]))
    if version > TESTED_MAX:
        print("warning: Python {}.{} is newer than the course was tested with "
              "(up to {}.{}); TensorFlow may not have wheels for it yet.".format(
                  version[0], version[1], TESTED_MAX[0], TESTED_MAX[1]))


def create_venv(venv):
    if os.path.exists(os.path.join(venv, "bin", "python")):
        return
    print("creating {} with {} ...".format(venv, sys.executable))
    try:
        import ensurepip  # noqa: F401
        import venv as _venv  # noqa: F401
    except ImportError:
        fail("this Python has no 'venv'/'ensurepip' module. On Debian/Ubuntu run:\n"
             "    sudo apt-get install python3-venv")
    result = subprocess.call([sys.executable, "-m", "venv", venv])
    if result != 0:
        fail("could not create the virtual environment {} (python -m venv failed). "
             "On Debian/Ubuntu: sudo apt-get install python3-venv".format(venv))


def install(venv):
    python = os.path.join(venv, "bin", "python")
    cmd = [python, "-m", "pip", "install", "--progress-bar", "off", "-e", ".[all]"]
    print("installing pooledu and the course's packages (TensorFlow, JupyterLab, "
          "Jupyter Book, test tools): a few minutes on first use ...")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Successfully installed"):
            sys.stdout.write("installed {} packages\n".format(len(line.split()) - 2))
        elif line.startswith("ERROR"):
            sys.stdout.write(line)
    proc.wait()
    if proc.returncode != 0:
        output = "".join(lines)
        sys.stderr.write(output[-4000:])
        if any(sign in output for sign in NETWORK_SIGNS):
            fail("pip could not download the packages. Check that this machine can reach "
                 "the Python package registry (PyPI), directly or through your proxy "
                 "(set HTTPS_PROXY), then run the command again.")
        fail("pip could not install pooledu[all] (see the output above). "
             "`make distclean` and a second try often helps after a Python upgrade.")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venv", default=".venv")
    parser.add_argument("--stamp", required=True)
    args = parser.parse_args()
    check_python()
    create_venv(args.venv)
    install(args.venv)
    for name in os.listdir(args.venv):
        if name.startswith(".installed-"):
            os.remove(os.path.join(args.venv, name))
    with open(args.stamp, "w") as f:
        f.write("pooledu[all] installed from pyproject.toml\n")
    print("set-up done: {}".format(args.venv))


if __name__ == "__main__":
    main()
