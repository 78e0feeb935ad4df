// Transcribed from the course text (a teaching draft, defects included) to test
// the grader on the course's own programs. Not kit code: do not imitate.
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/socket.h>
int main()
{
  int s;
  printf("pid = %d\n",getpid());
  if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
  {
    perror("Erreur de socket()");
    exit(1);
  }
  printf("socket creee = %d\n",s);
  pause();
}
