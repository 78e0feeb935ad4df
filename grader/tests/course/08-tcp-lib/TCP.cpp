// Transcribed from the course text (a teaching draft, defects included) to test
// the grader on the course's own programs. Not kit code: do not imitate.
// Send() and Receive() are the course's, as printed: write(...)-2 with one
// write() and no loop, one read() per byte, no bound on data, a close in the
// middle of a frame reported as a short frame. The course leaves ServerSocket(),
// Accept() and ClientSocket() to the reader; they are written here plainly in
// its style, following its description (ServerSocket: socket, getaddrinfo, bind;
// Accept: listen, accept, the client's address), with its habits: no
// SO_REUSEADDR, errors returned without closing the socket.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include "TCP.h"

int ServerSocket(int port)
{
  int sEcoute;

  // Creation de la socket
  if ((sEcoute = socket(AF_INET, SOCK_STREAM, 0)) == -1)
    return -1;

  // Construction de l'adresse
  struct addrinfo hints;
  struct addrinfo *results;
  char szPort[10];
  sprintf(szPort,"%d",port);
  memset(&hints,0,sizeof(struct addrinfo));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (getaddrinfo(NULL,szPort,&hints,&results) != 0)
    return -1;

  // Liaison de la socket a l'adresse
  if (bind(sEcoute,results->ai_addr,results->ai_addrlen) < 0)
    return -1;
  freeaddrinfo(results);

  return sEcoute;
}

int Accept(int sEcoute,char *ipClient)
{
  // Mise a l'ecoute de la socket
  if (listen(sEcoute,SOMAXCONN) == -1)
    return -1;

  // Attente d'une connexion
  int sService;
  if ((sService = accept(sEcoute,NULL,NULL)) == -1)
    return -1;

  // Recuperation de l'adresse IP du client
  if (ipClient != NULL)
  {
    struct sockaddr_in adrClient;
    socklen_t adrClientLen = sizeof(struct sockaddr_in);
    char host[NI_MAXHOST];
    char port[NI_MAXSERV];
    getpeername(sService,(struct sockaddr*)&adrClient,&adrClientLen);
    getnameinfo((struct sockaddr*)&adrClient,adrClientLen,
                host,NI_MAXHOST,port,NI_MAXSERV,
                NI_NUMERICSERV | NI_NUMERICHOST);
    strcpy(ipClient,host);
  }

  return sService;
}

int ClientSocket(char* ipServeur,int portServeur)
{
  int sClient;

  // Creation de la socket
  if ((sClient = socket(AF_INET, SOCK_STREAM, 0)) == -1)
    return -1;

  // Construction de l'adresse du serveur
  struct addrinfo hints;
  struct addrinfo *results;
  char szPort[10];
  sprintf(szPort,"%d",portServeur);
  memset(&hints,0,sizeof(struct addrinfo));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (getaddrinfo(ipServeur,szPort,&hints,&results) != 0)
    return -1;

  // Demande de connexion
  if (connect(sClient,results->ai_addr,results->ai_addrlen) == -1)
    return -1;
  freeaddrinfo(results);

  return sClient;
}

int Send(int sSocket,char* data,int taille)
{
  if (taille > TAILLE_MAX_DATA)
    return -1;

  // Preparation de la charge utile
  char trame[TAILLE_MAX_DATA+2];
  memcpy(trame,data,taille);
  trame[taille] = '#';
  trame[taille+1] = ')';

  // Ecriture sur la socket
  return write(sSocket,trame,taille+2)-2;
}

int Receive(int sSocket,char* data)
{
  bool fini = false;
  int nbLus, i = 0;
  char lu1,lu2;

  while(!fini)
  {
    if ((nbLus = read(sSocket,&lu1,1)) == -1)
      return -1;

    if (nbLus == 0) return i;    // connexion fermee par client

    if (lu1 == '#')
    {
      if ((nbLus = read(sSocket,&lu2,1)) == -1)
        return -1;

      if (nbLus == 0) return i;  // connexion fermee par client

      if (lu2 == ')') fini = true;
      else
      {
        data[i] = lu1;
        data[i+1] = lu2;
        i += 2;
      }
    }
    else
    {
      data[i] = lu1;
      i++;
    }
  }

  return i;
}
