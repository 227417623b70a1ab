<hr>
<table width="100%" class="footer">
  <tr>
    <td>&copy; 2008 Grand Hotel Group &middot; Hauptstrasse 1 &middot; reservations@grandhotel.example</td>
    <td align="right"><font size="1">build <%= application.getInitParameter("build.version") %></font></td>
  </tr>
</table>
</body>
</html>
