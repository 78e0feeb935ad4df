"""The lines the course's programs print, in French or in English.

Each Line names its facts as regex groups; the handouts show these lines
exactly (the `shows` and `english` forms).
"""

from kit.lines import Line

E = r"(?:e|é)"  # the course writes its French without accents; accept both

PID = Line("pid = <pid>", "pid = <pid>", r"\bpid\s*[=:]\s*(?P<pid>\d+)")
SOCKET_CREATED = Line("socket creee = <fd>", "socket created = <fd>",
                      rf"\bsocket\s+(?:cr{E}{E}e|created)\s*[=:]\s*(?P<fd>\d+)")
MY_ADDRESS = Line("Mon Adresse IP: <ip> -- Mon Port: <port>", "My IP address: <ip> -- My port: <port>",
                  r"(?:mon\s+adresse\s+ip|my\s+ip\s+address)\s*:\s*(?P<ip>[0-9a-fA-F.:*]+)\s*--\s*"
                  r"(?:mon|my)\s+port\s*:\s*(?P<port>\d+)")
BIND_OK = Line("bind() reussi !", "bind() succeeded", rf"\bbind\(\)\s*(?:r{E}ussi|succeeded)")
LISTEN_OK = Line("listen() reussi !", "listen() succeeded", rf"\blisten\(\)\s*(?:r{E}ussi|succeeded)")
ACCEPT_OK = Line("accept() reussi !", "accept() succeeded", rf"\baccept\(\)\s*(?:r{E}ussi|succeeded)")
SERVICE_SOCKET = Line("socket de service = <fd>", "service socket = <fd>",
                      r"(?:socket\s+de\s+service|service\s+socket)\s*[=:]\s*(?P<fd>\d+)")
CLIENT = Line("Client connecte --> Adresse IP: <ip> -- Port: <port>",
              "Client connected --> IP address: <ip> -- Port: <port>",
              rf"client\s+connect{E}(?:d)?\s*-+>\s*(?:adresse\s+ip|ip\s+address)\s*:\s*(?P<ip>[0-9a-fA-F.:]+)"
              r"\s*--\s*port\s*:\s*(?P<port>\d+)")
CONNECT_OK = Line("connect() reussi !", "connect() succeeded", rf"\bconnect\(\)\s*(?:r{E}ussi|succeeded)")
NUMERIC = Line("Adresse IP: <ip> -- Port: <port>", "IP address: <ip> -- Port: <port>",
               r"(?<!mon )(?<!my )(?:adresse\s+ip|ip\s+address)\s*:\s*(?P<ip>[0-9a-fA-F.:]+)\s*--\s*port\s*:\s*(?P<port>\d+)")
NAMES = Line("Hote: <host> -- Service: <service>", "Host: <host> -- Service: <service>",
             r"\b(?:h(?:o|ô)te|host)\s*:\s*(?P<host>\S+)\s*--\s*service\s*:\s*(?P<service>\S+)")

# What perror() appends for the errors the labs provoke (strerror, C locale).
EMFILE = r"too many open files"
EADDRINUSE = r"address already in use"
ECONNREFUSED = r"connection refused"
