"""The app opens no outbound network connection while it loads a model and chats.

The app runs under strace, which logs every connect/sendto/sendmsg of it and of
every process it starts (WebKit's web and network processes included). Only
local sockets may appear: Unix sockets (X11, D-Bus), netlink, and loopback TCP
(the WebDriver automation link from WebKitWebDriver, which is the test harness).
.ci/demo-app.sh also runs the tests in a network namespace with only a loopback
interface, so even an attempt could reach nothing.
"""

import os
import re
import shutil
import stat

from conftest import PROMPT, reference_continuation

ADDRESS = re.compile(r"(connect|sendto|sendmsg|sendmmsg)\(\d+, .*?sa_family=(AF_INET6?)\b(.*?)\}")
LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|inet_pton\(AF_INET6, "::ffff:127\.')
PORT = re.compile(r"sin6?_port=htons\((\d+)\)")


def outbound(log_text):
    """Network addresses the traced processes tried to reach that are not this machine."""
    bad = []
    for line in log_text.splitlines():
        m = ADDRESS.search(line)
        if not m:
            continue
        port = PORT.search(m.group(3))
        # DNS is a lookup for something remote, even through a local resolver.
        if not LOOPBACK.search(m.group(3)) or (port and port.group(1) == "53"):
            bad.append(line.strip())
    return bad


def test_the_address_filter_flags_remote_and_dns_traffic():
    log = "\n".join([
        '10 connect(5, {sa_family=AF_UNIX, sun_path="/tmp/.X11-unix/X99"}, 110) = 0',
        '10 connect(7, {sa_family=AF_INET, sin_port=htons(4445), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '11 connect(8, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("140.82.112.3")}, 16) = -1 ENETUNREACH',
        '12 sendto(9, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 1',
        '13 connect(9, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1',
    ])
    flagged = outbound(log)
    assert len(flagged) == 3 and "140.82.112.3" in flagged[0] and "127.0.0.53" in flagged[1] and "2001:db8" in flagged[2]


def test_no_outbound_connection_while_loading_and_chatting(app, model_path, tmp_path):
    strace = shutil.which("strace")
    assert strace, "strace is needed (apt-get install strace)"
    log = tmp_path / "strace.log"
    wrapper = tmp_path / "hearth-demo-traced"
    # WebKitWebDriver starts the application with its own arguments; pass them on.
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec {strace} -f -qq -e signal=none -e trace=connect,sendto,sendmsg,sendmmsg -o {log} {app.binary} "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    app.start(application=wrapper)
    app.load_model(model_path)
    app.fill("settings-temperature", 0)
    app.fill("settings-max-tokens", 32)
    answer = app.ask(PROMPT)
    assert app.text_of(answer) == reference_continuation()
    app.stop()

    text = log.read_text()
    # The trace really covers the app: it talked to the X server through a Unix socket.
    assert "AF_UNIX" in text, text[:2000]
    assert outbound(text) == []
    isolated = not any(line.split()[1] == "00000000" for line in open("/proc/net/route").readlines()[1:])
    print(f"network namespace without a default route: {isolated}; traced lines: {len(text.splitlines())}")
    if os.environ.get("HEARTH_DEMO_REQUIRE_NETNS") == "1":
        assert isolated, "expected to run in a network namespace without routes (.ci/demo-app.sh)"
