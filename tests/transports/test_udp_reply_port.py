"""UDP outputs that send from the device's reply port (QLab answers on 53001): each reads its own device's replies."""

from __future__ import annotations

import select
import socket
import time

from showcall.transports.base import Endpoint
from showcall.transports.udp import UdpOutput

from support.tools import free_port


def test_two_devices_share_a_reply_port_and_each_reads_its_own_replies() -> None:
    reply_port = free_port()
    devices = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    outputs = []
    try:
        for number, device in enumerate(devices):
            device.bind(("127.0.0.1", 0))
            endpoint = Endpoint(
                f"q{number}", "osc-udp", host="127.0.0.1", port=device.getsockname()[1], reply_port=reply_port
            )
            output = UdpOutput(endpoint)
            output.open(time.monotonic_ns())
            outputs.append(output)
        for number, (device, output) in enumerate(zip(devices, outputs, strict=True)):
            output.send(f"hello {number}".encode())
            data, (host, port) = device.recvfrom(100)
            assert port == reply_port  # sent from the reply port
            device.sendto(f"reply to {data.decode()}".encode(), (host, reply_port))  # as QLab answers: to 53001
        for number, output in enumerate(outputs):
            fd = output.fileno()
            assert fd is not None
            assert select.select([fd], [], [], 5)[0]
            assert output.on_ready(time.monotonic_ns(), True, False) == [f"reply to hello {number}".encode()]
    finally:
        for output in outputs:
            output.close()
        for device in devices:
            device.close()


def test_a_reply_port_in_use_is_said_and_sending_goes_on() -> None:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("0.0.0.0", 0))  # without SO_REUSEPORT: nobody else may share it
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    port = blocker.getsockname()[1]
    output = UdpOutput(Endpoint("q", "osc-udp", host="127.0.0.1", port=device.getsockname()[1], reply_port=port))
    try:
        output.open(time.monotonic_ns())
        assert output.stats.last_error == f"replies on port {port} not readable: address already in use"
        output.send(b"still sent")
        assert device.recv(100) == b"still sent"
    finally:
        output.close()
        device.close()
        blocker.close()
