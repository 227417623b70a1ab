<%@ include file="../header.jsp" %>
<%@ page import="java.util.Vector" %>
<%@ page import="com.grandhotel.model.User" %>
<%
    Vector users = (Vector) request.getAttribute("users");
%>
<h2>User administration</h2>
<table border="1" cellpadding="3">
  <tr><th>Id</th><th>User</th><th>E-mail</th><th>Role</th><th>Last login</th><th></th></tr>
<% for (int i = 0; i < users.size(); i++) {
       User u = (User) users.elementAt(i); %>
  <tr>
    <td><%= u.getId() %></td>
    <td><%= u.getUsername() %></td>
    <td><%= u.getEmail() %></td>
    <td><%= u.getRole() %></td>
    <td><%= u.getLastLogin() %></td>
    <td><a href="users.do?op=promote&id=<%= u.getId() %>&role=ADMIN">make admin</a>
        <a href="users.do?op=delete&id=<%= u.getId() %>">delete</a></td>
  </tr>
<% } %>
</table>
<h3>New user</h3>
<form action="users.do" method="post">
  <input type="hidden" name="op" value="create">
  User <input name="username"> Password <input name="password"> E-mail <input name="email">
  Role <select name="role"><option>CLERK</option><option>ADMIN</option></select>
  <input type="submit" value="Create">
</form>
<%@ include file="../footer.jsp" %>
