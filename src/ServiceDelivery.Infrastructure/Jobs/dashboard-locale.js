// Hangfire gives moment.js the page's language as <html lang>, "zh", for which moment has no locale: the dashboard's
// times came out American ("12/8/2026 3:50:19 AM") beside Chinese words. Its page reads this setting when the document
// is ready, after this script ran; the times themselves are in the browser's (the operator's) time zone.
(function (hangfire) {
    if (hangfire && hangfire.config && /^zh\b/i.test(hangfire.config.locale || '')) {
        hangfire.config.locale = 'zh-cn';
    }
})(window.Hangfire);
