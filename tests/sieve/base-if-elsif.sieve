# expect: redirect a@example.net
if header :is "Subject" "nope" {
    discard;
} elsif header :contains "subject" "WORLD" {
    redirect "a@example.net";
} else {
    discard;
}
