#!/usr/bin/perl
# SpamAssassin's Bayes probability for each message file named on stdin,
# for bench-bayes.py. One Mail::SpamAssassin object for the whole run (as
# spamd would have), network tests off; the rules it runs are whatever the
# given directories hold, which bench-bayes.py limits to the Bayes rules,
# so the time is Bayes plus SpamAssassin's message parsing and rendering.
#
# usage: sa-bayes-classify.pl RULES_DIR SITE_DIR USER_PREFS < file-list
# prints: PATH <tab> PROBABILITY (or "null" when Bayes gave none, e.g. an
# untrained database), one line per message, in input order.
use strict;
use warnings;
use Mail::SpamAssassin;

@ARGV == 3 or die "usage: $0 RULES_DIR SITE_DIR USER_PREFS < file-list\n";
my ($rules, $site, $prefs) = @ARGV;

my $sa = Mail::SpamAssassin->new({
	rules_filename      => $rules,
	site_rules_filename => $site,
	userprefs_filename  => $prefs,
	dont_copy_prefs     => 1,
	local_tests_only    => 1,
});
$sa->init(1);

$| = 0;
while (my $path = <STDIN>) {
	chomp $path;
	next if $path eq '';
	open(my $fh, '<', $path) or die "$path: $!\n";
	binmode $fh;
	my @lines = <$fh>;
	close $fh;
	my $msg = $sa->parse(\@lines);
	my $status = $sa->check($msg);
	my $p = $status->{bayes_score};
	print $path, "\t", (defined $p ? sprintf('%.17g', $p) : 'null'), "\n";
	$status->finish();
	$msg->finish();
}
