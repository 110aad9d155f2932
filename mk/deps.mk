# make deps: install every Debian package icebuf needs. Idempotent and quiet
# when everything is present; uses sudo when not run as root.

DEB_PACKAGES := make gcc g++ pkg-config libftdi1-dev libusb-1.0-0-dev \
                verilator iverilog yosys nextpnr-ice40 fpga-icestorm \
                clang libclang-rt-dev zlib1g-dev socat \
                ffmpeg umockdev libumockdev-dev libglib2.0-dev \
                libpng-dev libsdl2-dev

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing" $$missing; \
	    if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	    || { echo "deps: apt-get failed; run: sudo apt-get install $$missing" >&2; exit 1; }; \
	fi
