/*
 * eval_fns.h - prototypes of every built-in eval function (eval_*.c),
 * for the table in eval.c. Keep sorted by file.
 */
#ifndef RULES_EVAL_FNS_H
#define RULES_EVAL_FNS_H

#include "rules/eval_int.h"

EVAL_FN(check_bayes);
EVAL_FN(check_shortcircuit);
EVAL_FN(multipart_alternative_difference);
EVAL_FN(multipart_alternative_difference_count);
EVAL_FN(check_blank_line_ratio);
EVAL_FN(tvd_vertical_words);
EVAL_FN(check_body_length);
EVAL_FN(check_for_uppercase);
EVAL_FN(check_freemail_from);
EVAL_FN(check_freemail_header);
EVAL_FN(check_freemail_replyto);
EVAL_FN(check_for_shifted_date);
EVAL_FN(check_header_count_range);
EVAL_FN(check_illegal_chars);
EVAL_FN(check_for_missing_to_header);
EVAL_FN(subject_is_all_caps);
EVAL_FN(check_for_to_in_subject);
EVAL_FN(check_unresolved_template);
EVAL_FN(check_equal_from_domains);
EVAL_FN(check_for_matching_env_and_hdr_from);
EVAL_FN(gated_through_received_hdr_remover);
EVAL_FN(check_for_unique_subject_id);
EVAL_FN(check_for_faraway_charset_in_headers);
EVAL_FN(check_ratware_name_id);
EVAL_FN(check_ratware_envelope_from);
EVAL_FN(check_outlook_message_id);
EVAL_FN(check_messageid_not_usable);
EVAL_FN(html_test);
EVAL_FN(html_range);
EVAL_FN(html_eval);
EVAL_FN(html_tag_exists);
EVAL_FN(html_tag_balance);
EVAL_FN(html_image_only);
EVAL_FN(html_image_ratio);
EVAL_FN(html_text_match);
EVAL_FN(html_title_subject_ratio);
EVAL_FN(html_charset_faraway);
EVAL_FN(image_count);
EVAL_FN(pixel_coverage);
EVAL_FN(image_to_text_ratio);
EVAL_FN(image_size_exact);
EVAL_FN(image_size_range);
EVAL_FN(image_named);
EVAL_FN(check_for_mime);
EVAL_FN(check_for_mime_html);
EVAL_FN(check_for_mime_html_only);
EVAL_FN(check_mime_multipart_ratio);
EVAL_FN(check_qp_ratio);
EVAL_FN(check_for_ascii_text_illegal);
EVAL_FN(check_abundant_unicode_ratio);
EVAL_FN(check_msg_parse_flags);
EVAL_FN(check_ma_non_text);
EVAL_FN(check_base64_length);
EVAL_FN(check_for_faraway_charset);
EVAL_FN(check_for_numeric_helo);
EVAL_FN(check_for_illegal_ip);
EVAL_FN(helo_ip_mismatch);
EVAL_FN(check_all_trusted);
EVAL_FN(check_no_relays);
EVAL_FN(check_relays_unparseable);
EVAL_FN(check_for_sender_no_reverse);
EVAL_FN(check_for_forged_received_trail);
EVAL_FN(check_for_from_domain_in_received_headers);
EVAL_FN(check_for_no_rdns_dotcom_helo);
EVAL_FN(check_from_in_whitelist);
EVAL_FN(check_from_in_welcomelist);
EVAL_FN(check_from_in_blacklist);
EVAL_FN(check_from_in_blocklist);
EVAL_FN(check_from_in_default_whitelist);
EVAL_FN(check_from_in_default_welcomelist);
EVAL_FN(check_to_in_whitelist);
EVAL_FN(check_to_in_welcomelist);
EVAL_FN(check_to_in_blacklist);
EVAL_FN(check_to_in_blocklist);
EVAL_FN(check_to_in_all_spam);
EVAL_FN(check_to_in_more_spam);
EVAL_FN(check_from_in_list);
EVAL_FN(check_replyto_in_list);
EVAL_FN(check_uri_host_in_whitelist);
EVAL_FN(check_uri_host_in_welcomelist);
EVAL_FN(check_uri_host_in_blacklist);
EVAL_FN(check_uri_host_in_blocklist);
EVAL_FN(check_subject_in_whitelist);
EVAL_FN(check_subject_in_welcomelist);
EVAL_FN(check_subject_in_blacklist);
EVAL_FN(check_subject_in_blocklist);
EVAL_FN(check_fromname_equals_to);
EVAL_FN(check_fromname_equals_replyto);
EVAL_FN(wn_link_text_mismatch);
EVAL_FN(wn_attachment_name);
EVAL_FN(wn_attachment_type_mismatch);
EVAL_FN(wn_msg_flag);
EVAL_FN(wn_visible_text_len);
EVAL_FN(wn_html_only);
EVAL_FN(wn_invisible_text_len);
EVAL_FN(wn_uri_count);
EVAL_FN(wn_from_name_other_domain);

/* eval_forged.c */
EVAL_FN(check_for_forged_hotmail_received_headers);
EVAL_FN(check_for_no_hotmail_received_headers);
EVAL_FN(check_for_forged_yahoo_received_headers);

/* eval_vbounce.c */
EVAL_FN(have_any_bounce_relays);
EVAL_FN(check_welcomelist_bounce_relays);

#endif
