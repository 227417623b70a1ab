<%@ page contentType="text/html; charset=ISO-8859-1" %>
<%@ page import="com.grandhotel.model.User" %>
<%@ page import="com.grandhotel.security.SessionManager" %>
<%@ taglib uri="/WEB-INF/struts-bean.tld" prefix="bean" %>
<%
    User currentUser = SessionManager.lookup(request);
%>
<html>
<head>
  <title>Grand Hotel - <bean:message key="app.title"/></title>
  <link rel="stylesheet" type="text/css" href="<%= request.getContextPath() %>/css/hotel.css">
</head>
<body>
<table width="100%" class="header">
  <tr>
    <td><a href="<%= request.getContextPath() %>/index.jsp"><img src="img/logo.gif" border="0"></a></td>
    <td align="right">
<% if (currentUser != null) { %>
      Welcome, <b><%= currentUser.getUsername() %></b> |
<%   if (currentUser.isAdmin()) { %>
      <a href="admin/users.do?op=list">Users</a> | <a href="admin/report.do?reportType=occupancy&reportName=occupancy&format=csv">Reports</a> |
<%   } %>
      <a href="logout.do">Logout</a>
<% } else { %>
      <a href="login.jsp">Login</a>
<% } %>
    </td>
  </tr>
</table>
