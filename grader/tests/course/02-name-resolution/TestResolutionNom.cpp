// Transcribed from the course text (a teaching draft, defects included) to test
// the grader on the course's own programs. Not kit code: do not imitate.
// Change: moon's private address is replaced by 127.0.0.1 (the kit never uses other addresses).
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>     // pour memset
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
int main()
{
  // Pour la recherche
  struct addrinfo hints;
  struct addrinfo *results;
  // Pour l'affichage des resultats
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  struct addrinfo* info;
  // On fournit l'hote et le service
  memset(&hints,0,sizeof(struct addrinfo)); // initialisation à 0
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  printf("Pour www.google.be avec le service http :\n");
  if (getaddrinfo("www.google.be","http",&hints,&results) != 0)
    printf("Erreur de getaddrinfo");
  else
  {
    // Affichage du contendu des adresses obtenues au format numérique
    for (info = results ; info != NULL ; info = info->ai_next)
    {
      getnameinfo(info->ai_addr,info->ai_addrlen,
                  host,NI_MAXHOST,
                  port,NI_MAXSERV,
                  NI_NUMERICSERV | NI_NUMERICHOST);
      printf("Adresse IP: %s -- Port: %s\n",host,port);
    }
    freeaddrinfo(results);
  }
  // On fournit l'adresse IP et le port directement
  memset(&hints,0,sizeof(struct addrinfo)); // initialisation à 0
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
  printf("Pour 127.0.0.1 avec le port 80 :\n");
  if (getaddrinfo("127.0.0.1","80",&hints,&results) != 0)
    printf("Erreur de getaddrinfo");
  else
  {
    // Affichage du contendu des adresses obtenues au format "hote" et "service"
    for (info = results ; info != NULL ; info = info->ai_next)
    {
      getnameinfo(info->ai_addr,info->ai_addrlen,
                  host,NI_MAXHOST,
                  port,NI_MAXSERV,
                  0);
      printf("Hote: %s -- Service: %s\n",host,port);
    }
    freeaddrinfo(results);
  }
  exit(0);
}
