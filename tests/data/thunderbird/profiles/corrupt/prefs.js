// Mozilla User Preferences

user_pref("mail.account.account1.server", "server1");
user_pref("mail.account.lastKey", 1);
user_pref("mail.accountmanager.accounts", "account1");
user_pref("mail.accountmanager.localfoldersserver", "server1");
user_pref("mail.server.server1.hostname", "Local Folders");
user_pref("mail.server.server1.type", "none");
user_pref("mail.server.server1.userName", "nob
