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
EAI_NONAME = r"name or service not known|no address associated with hostname"  # gai_strerror()

# Labs 06-07: the server's and the client's byte counts, with the bytes between "--".
READ = Line("nbLus = <n> Lu: --<bytes>--", "read = <n> bytes: --<bytes>--",
            r"(?:nb\s*lus|read)\s*=\s*(?P<n>\d+)\s*(?:lu|bytes)\s*:\s*--(?P<data>.*)--")
WRITTEN = Line("nbEcrits = <n>", "written = <n>",
               rf"(?:nb\s*{E}crits|written)\s*=\s*(?P<n>\d+)(?:\s*(?:{E}crit|bytes)\s*:\s*--(?P<data>.*)--)?")
REUSEADDR = Line("SO_REUSEADDR = <value>", "SO_REUSEADDR = <value>", r"SO_REUSEADDR\s*[=:]\s*(?P<value>-?\d+)")

# Labs 09-11: the iterative server and its interactive client (TCP library frames).
SERVER_STARTED = Line("Demarrage du serveur.", "Server started.", rf"\bd{E}marrage\s+du\s+serveur|\bserver\s+started")
REQUEST_RECEIVED = Line("Requete recue = <request>", "Request received = <request>",
                        rf"(?:requ{E}te\s+re(?:c|ç)ue|request\s+received)\s*[=:] ?(?P<text>[^\r\n]*)\r?\n")
SERVER_STOPPED = Line("Arret du serveur.", "Server stopped.", r"\b(?:arr(?:e|ê)t\s+du\s+serveur|server\s+stopped)")
CONNECTED = Line("Connecte sur le serveur.", "Connected to the server.",
                 rf"\b(?:connect{E}\s+(?:sur|au)\s+(?:le\s+)?serveur|connected\s+to\s+the\s+server)")
PROMPT = Line("Requete a envoyer (<CTRL-C> pour fin) : ", "Request to send (<CTRL-C> to stop): ",
              rf"(?:requ{E}te\s+(?:a|à)\s+envoyer|request\s+to\s+send)[^:\n]*:")
ANSWER_RECEIVED = Line("Reponse recue = <answer>", "Answer received = <answer>",
                       rf"(?:r{E}ponse\s+re(?:c|ç)ue|answer\s+received)\s*[=:] ?(?P<text>[^\r\n]*)\r?\n")
SERVER_GONE = Line("Serveur arrete, pas de reponse recue.", "Server stopped, no answer received.",
                   rf"\b(?:serveur\s+arr(?:e|ê)t{E}|server\s+(?:stopped|closed|has\s+stopped))")
REQUEST_TOO_LONG = Line("Requete trop longue (au plus 10000 caracteres), ignoree.",
                     "Request too long (at most 10000 characters), ignored.",
                     rf"\b(?:requ{E}te\s+trop\s+longue|request\s+too\s+long)")
REQUEST_HAS_MARKER = Line('Requete refusee: elle contient "#)".', 'Request refused: it contains "#)".',
                       rf"\b(?:requ{E}te\s+refus{E}e|request\s+refused)")
INPUT_ENDED = Line("Fin de la saisie.", "End of input.", r"\b(?:fin\s+de\s+la\s+saisie|end\s+of\s+input)")
CLIENT_STOPPED = Line("Arret du client.", "Client stopped.", r"\b(?:arr(?:e|ê)t\s+du\s+client|client\s+stopped)")

# Lab 08: ServeurTest and ClientTest (counts, then the data between "--").
NB_READ = Line("NbLus = <n>", "bytes received = <n>", r"(?:\bnb\s*lus|bytes\s+received)\s*=\s*(?P<n>-?\d+)")
READ_DATA = Line("Lu    = --<data>--", "received = --<data>--", r"(?:\blu|\breceived)\s*=\s*--(?P<data>[^\r\n]*)--")
NB_WRITTEN = Line("NbEcrits = <n>", "bytes sent = <n>", rf"(?:\bnb\s*{E}crits|bytes\s+sent)\s*=\s*(?P<n>-?\d+)")
WRITTEN_DATA = Line("Ecrit    = --<data>--", "sent = --<data>--",
                    rf"(?:\b{E}crit|\bsent)\s*=\s*--(?P<data>[^\r\n]*)--")

# Labs 10-11: the SMOP client.
USER_PROMPT = Line("user: ", "user: ", r"\b(?:user|utilisateur|login)\s*:")
PASSWORD_PROMPT = Line("password: ", "password: ", r"\b(?:password|mot\s+de\s+passe)\s*:")
OPERATION_PROMPT = Line("Operation (ex: 5 * 3, <CTRL-C> pour fin) : ", "Operation (e.g. 5 * 3, <CTRL-C> to stop): ",
                        rf"\bop{E}ration[^:\n]*:")
RESULT = Line("Résultat = <result>", "Result = <result>", rf"\br(?:e|é)sult(?:at)?\s*[=:]\s*(?P<value>-?\d+)")
ERROR_REPLY = Line("Erreur : <reason>", "Error: <reason>", r"\b(?:erreur|error)\s*:\s*(?P<reason>[^\r\n]+)")

# Lab 13: the UDP client (its prompt and results are those of labs 10-11).
NO_ANSWER = Line("Pas de reponse du serveur.", "No answer from the server.",
                 rf"\b(?:pas\s+de\s+r{E}ponse|no\s+(?:answer|reply))")
OPERATION_MALFORMED = Line("Operation mal formee (ex: 5 * 3).", "Malformed operation (e.g. 5 * 3).",
                          rf"\b(?:op{E}ration\s+mal\s+form{E}e|malformed\s+operation)")
LINE_TOO_LONG = Line("Ligne trop longue.", "Line too long.", r"\b(?:ligne\s+trop\s+longue|line\s+too\s+long)")
SERVER_FOUND = Line("Serveur trouve : <name> (<ip>:<port>)", "Server found: <name> (<ip>:<port>)",
                    rf"\b(?:serveur\s+trouv{E}|server\s+found)\s*:\s*(?P<name>\S+)\s*\(\s*(?P<ip>[0-9.]+):(?P<port>\d+)\s*\)")
EACCES = r"permission denied"
